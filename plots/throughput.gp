# 1. How fast is each strategy as workers are added? (medians, bars from min to max)
# input: data = the aggregate CSV written by plots/report.py (agg-main.csv)
load 'plots/style.gp'
set title "Throughput vs workers: how fast does each strategy classify?" font ',14'
set xlabel 'workers (points shifted sideways slightly per strategy)'
set ylabel 'records per second (rows\_per\_s: from the workers'' start)'
# Linear from 0: the strategies differ by tens of percent, which a log axis squeezes flat.
set yrange [0:*]
set format y '%.0s%c'
set xtics (1, 2, 4)
set xrange [0.7:4.6]
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1100,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1100,650 font ',11'; set output out.'.svg' }
    plot for [i=2:words(strategies)] data using (only(word(strategies,i),'workers') + dodge(word(strategies,i))):'rows_med':'rows_min':'rows_max' \
             with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i)), \
         serial_rows with lines lt 1 title 'serial (no workers)'
}
