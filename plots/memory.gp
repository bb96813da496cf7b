# 2. How much memory does each strategy cost, in copies of the model, as workers are added?
# Reference lines: one copy (shared), and one copy per worker (N).
load 'plots/style.gp'
set title "Memory vs workers: how many copies of the model does each strategy hold?" font ',14'
set xlabel 'workers (points shifted sideways slightly per strategy)'
set ylabel 'model copies: (peak total PSS - empty-model run) / model size'
set xtics (1, 2, 4)
set xrange [0.7:4.6]
set yrange [0:*]
do for [fmt in "pngcairo svg"] {
    if (fmt eq 'pngcairo') { set terminal pngcairo noenhanced size 1100,650 font ',11'; set output out.'.png' }
    else { set terminal svg noenhanced size 1100,650 font ',11'; set output out.'.svg' }
    plot for [i=2:words(strategies)] data using (only(word(strategies,i),'workers') + dodge(word(strategies,i))):'copies_med':'copies_min':'copies_max' \
             with yerrorlines lt lt_of(word(strategies,i)) title label(word(strategies,i)), \
         1 with lines lc rgb '#444444' dt 2 lw 1.5 title '1 copy', \
         x with lines lc rgb '#888888' dt 3 lw 1.5 title 'N copies (one per worker)'
}
