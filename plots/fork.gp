# 7. What fork() costs a parent with a large heap (bench_fork): the page-table copy that every
# fork-based strategy pays per worker, timed with the child's exit and the parent's waitpid.
# input: data = fork.csv (plots/report.py from results/bench_fork.json)
load 'plots/style.gp'
set title "fork() + child exit + waitpid vs the parent's resident heap (bench_fork)" font ',14'
set xlabel 'parent heap (MiB, log scale)'
set ylabel 'milliseconds per fork + exit + waitpid (log scale)'
set logscale xy
set xrange [7:3000]
set key inside top left box opaque
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1000,620 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1000,620 font ',11'; set output out.'.svg' }
    plot data using 'heap_mib':'ms_median':'ms_min':'ms_max' with yerrorlines lt 2 title 'fork + exit + waitpid (median, min-max)'
}
