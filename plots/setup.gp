# 6. Where setup time goes, per strategy: model build, strategy prepare, workers started and
# set up (ready), and the wait for the first result (medians).
# input: data = agg-setup.csv (plots/report.py), workers = the worker count used
load 'plots/style.gp'
set title sprintf("Setup: what each strategy pays before results flow (%d workers, medians)", workers) font ',14'
set ylabel 'seconds'
set style data histograms
set style histogram rowstacked
set style fill pattern 0 border -1
set boxwidth 0.7
set xtics rotate by -30 left
set key outside right top box opaque
set yrange [0:*]
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1200,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1200,650 font ',11'; set output out.'.svg' }
    plot data using 'build_s':xtic(1) title 'model build' fs pattern 1 lc rgb '#1f77b4', \
         '' using 'prepare_s' title 'strategy prepare' fs pattern 2 lc rgb '#ff7f0e', \
         '' using 'ready_s' title 'workers started and set up' fs pattern 4 lc rgb '#2ca02c', \
         '' using 'first_result_s' title 'first result' fs pattern 5 lc rgb '#d62728'
}
