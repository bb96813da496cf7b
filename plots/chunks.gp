# 5. per_task_serialize against global_fork as the chunk size grows: bytes shipped, records/s.
# input: data = agg-chunks.csv (plots/report.py)
load 'plots/style.gp'
set xlabel 'records per chunk (log scale)'
set logscale x
set logscale y
set key inside bottom right box opaque
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1300,600 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1300,600 font ',11'; set output out.'.svg' }
    set multiplot layout 1,2 title "Shipping the model with every task, by chunk size (2 workers)" font ',14'
    set title 'bytes shipped to workers per record, beyond the records'
    set ylabel 'bytes per record (log scale)'
    plot data using (only('per_task_serialize','chunk')):'shipped_per_record' with linespoints lt 6 title 'per_task_serialize'
    set title 'throughput'
    set ylabel 'records per second, rows\_per\_s (log scale)'
    plot for [s in "per_task_serialize global_fork"] data using (only(s,'chunk')):'rows_med':'rows_min':'rows_max' \
         with yerrorlines lt lt_of(s) title s
    unset multiplot
}
