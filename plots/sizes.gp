# 3. Throughput and memory as the model grows (tiny, default, large spec), fixed workers.
# input: data = agg-sizes.csv (plots/report.py), workers = the worker count used
load 'plots/style.gp'
set xlabel 'model size (MB, log scale)'
set logscale x
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1400,620 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1400,620 font ',11'; set output out.'.svg' }
    set multiplot layout 1,2 title sprintf("Model size: what grows with it? (%d workers)", workers) font ',14'
    set title 'throughput'
    set ylabel 'records per second (log scale)'
    set logscale y
    set key inside bottom left box opaque
    plot for [i=1:words(strategies)] data using (only(word(strategies,i),'model_mb')):'rows_med':'rows_min':'rows_max' \
         with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i))
    set title 'memory'
    set ylabel 'model copies'
    unset logscale y
    set yrange [0:*]
    set key inside center right box opaque
    plot for [i=1:words(strategies)] data using (only(word(strategies,i),'model_mb')):'copies_med':'copies_min':'copies_max' \
         with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i))
    unset multiplot
}
