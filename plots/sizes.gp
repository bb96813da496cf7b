# 3. Throughput and memory as the model grows (tiny, default, large spec), fixed workers.
# input: data = agg-sizes.csv (plots/report.py), workers = the worker count used
# Copies are drawn only for models of 1 MB and more: below, they divide run-to-run noise (a few
# hundred kB) by a tiny size and mean nothing.
load 'plots/style.gp'
set xlabel 'model size (MB, log scale)'
set logscale x
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1400,620 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1400,620 font ',11'; set output out.'.svg' }
    set multiplot layout 1,2 title sprintf("Model size: what grows with it? (%d workers)", workers) font ',14'
    set title 'throughput'
    set ylabel 'records per second, rows\_per\_s (log scale)'
    set logscale y
    set key inside bottom left box opaque
    plot for [i=1:words(strategies)] data using (only(word(strategies,i),'model_mb')):'rows_med':'rows_min':'rows_max' \
         with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i))
    set title 'memory (models of 1 MB and more)'
    set ylabel 'model copies (lines: 1 copy, one per worker)'
    unset logscale y
    set yrange [0:*]
    set key inside center right box opaque
    plot for [i=1:words(strategies)] data using (column('model_mb') < 1 ? NaN : only(word(strategies,i),'model_mb')):'copies_med':'copies_min':'copies_max' \
         with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i)), \
         1 with lines lc rgb '#444444' dt 2 lw 1.5 title '1 copy', \
         workers with lines lc rgb '#888888' dt 3 lw 1.5 title sprintf('%d copies (one per worker)', workers)
    unset multiplot
}
