# 6. Where the time goes before results flow, per strategy (medians): model build, strategy
# prepare, workers started and set up (ready), then the rest of the wait for the first result.
# first_result_s counts from the first task sent, just after the workers are started, so it
# overlaps their setup: only what comes after it is stacked, and the top of a bar is when the
# first result came back.
# input: data = agg-setup.csv (plots/report.py), workers = the worker count used
load 'plots/style.gp'
set title sprintf("Setup: what each strategy pays before results flow (%d workers, medians)", workers) font ',14'
set ylabel 'seconds since the run began'
set style data histograms
set style histogram rowstacked
set style fill pattern 0 border -1
set boxwidth 0.7
set xtics rotate by -30 left
set key outside right top box opaque
set yrange [0:*]
after_ready(start, first, ready) = (start + first > ready) ? start + first - ready : 0
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1200,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1200,650 font ',11'; set output out.'.svg' }
    plot data using 'build_s':xtic(1) title 'model build' fs pattern 1 lc rgb '#1f77b4', \
         '' using 'prepare_s' title 'strategy prepare' fs pattern 2 lc rgb '#ff7f0e', \
         '' using 'ready_s' title 'workers started and set up' fs pattern 4 lc rgb '#2ca02c', \
         '' using (after_ready(column('start_s'), column('first_result_s'), column('ready_s'))) \
            title 'then, until the first result' fs pattern 5 lc rgb '#d62728'
}
