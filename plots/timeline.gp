# 4. Memory over a run: global_fork and shared_arrays, with and without --touch.
# input: files gf, gft, sa, sat (timelines from sharebench run --timeline)
load 'plots/style.gp'
set title "Memory over time, 4 workers: copy-on-write appears when classify writes (--touch)" font ',14'
set xlabel 'seconds since start'
set ylabel 'total PSS, parent + workers (MB)'
set yrange [0:*]
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1100,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1100,650 font ',11'; set output out.'.svg' }
    plot gf  using 't_s':'total_pss_mb' with lines lt 2 dt 1 title 'global_fork', \
         gft using 't_s':'total_pss_mb' with lines lt 2 dt 2 lw 3 title 'global_fork --touch', \
         sa  using 't_s':'total_pss_mb' with lines lt 5 dt 1 title 'shared_arrays', \
         sat using 't_s':'total_pss_mb' with lines lt 5 dt 2 lw 3 title 'shared_arrays --touch'
}
