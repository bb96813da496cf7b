# 8. Workers started by exec instead of fork: what it costs the strategies that survive it.
# Left: setup (build + prepare + every worker started and set up), right: model copies. Bars
# start at 0 on linear axes: a bar's height is its value, so one copy has the height of one.
# input: data = agg-exec.csv (plots/report.py): strategy, setup_fork_ms, setup_exec_ms,
#        copies_fork, copies_exec; workers = the worker count used
load 'plots/style.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -20 left
set key inside left top box opaque
set yrange [0:*]
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1200,550 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1200,550 font ',11'; set output out.'.svg' }
    set multiplot layout 1,2 title sprintf("Workers started by fork vs exec (%d workers, medians)", workers) font ',14'
    set title 'setup, milliseconds'
    set ylabel 'ms'
    plot data using 'setup_fork_ms':xtic(1) title 'fork' lc rgb '#2ca02c' dt 1, \
         '' using 'setup_exec_ms' title 'exec' lc rgb '#1f77b4' dt 1 fs pattern 4
    set title 'memory, copies of the model (lines: 1 copy, one per worker)'
    set ylabel 'model copies'
    plot data using 'copies_fork':xtic(1) title 'fork' lc rgb '#2ca02c' dt 1, \
         '' using 'copies_exec' title 'exec' lc rgb '#1f77b4' dt 1 fs pattern 4, \
         1 with lines lc rgb '#444444' dt 2 lw 1.5 title '1 copy', \
         workers with lines lc rgb '#888888' dt 3 lw 1.5 title sprintf('%d copies (one per worker)', workers)
    unset multiplot
}
