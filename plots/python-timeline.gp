# 11. Memory over the whole dataset, Python workers: the objects and lists models, with and
# without gc.freeze, workers collecting (gc.collect) every few chunks.
# input: files go (global_fork, objects), gl (global_fork, lists, collecting),
#        fl (gc_freeze, lists, collecting): timelines from sharebench run --timeline
load 'plots/style.gp'
set title "Python, 2 workers, the whole dataset: total PSS over the run" font ',14'
set xlabel 'seconds since start'
set ylabel 'total PSS, parent + forkserver + workers (MB)'
set yrange [0:*]
set key inside right center box opaque
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1100,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1100,650 font ',11'; set output out.'.svg' }
    plot go using 't_s':'total_pss_mb' with lines lt 2 dt 1 lw 2 title 'py:global_fork, objects', \
         gl using 't_s':'total_pss_mb' with lines lt 5 dt 1 lw 2 title 'py:global_fork, lists, gc.collect() every '.every.' chunks', \
         fl using 't_s':'total_pss_mb' with lines lt 5 dt 2 lw 3 title 'py:gc_freeze, lists, gc.collect() every '.every.' chunks'
}
