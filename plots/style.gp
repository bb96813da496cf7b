# style.gp - what every figure shares: the terminal, and one look per strategy (the same
# colour, dash type and point type in every figure, so lines stay apart in greyscale too).
# Figures are drawn twice, PNG and SVG: call with -e "out='NAME'" and load this file first.
# The strategies to draw, serial first: plots/report.py passes those in the results (-e
# "strategies='...'"); this list is for running a script by hand. A strategy not named in
# lt_of below is drawn in the default look (linetype 10): adding one needs no edit here.
if (!exists("strategies")) strategies = "serial global_fork module_state registry shared_arrays mapped_file per_task_serialize per_worker_copy threads"
set datafile separator ','
set datafile missing 'nan'
set key outside right top box opaque
set grid
set border lw 1.2
set tics nomirror
set linetype 1 lc rgb '#444444' lw 2 dt 2 pt 1 ps 1.3
set linetype 2 lc rgb '#d62728' lw 2 dt 1 pt 5 ps 1.3
set linetype 3 lc rgb '#ff7f0e' lw 2 dt 3 pt 7 ps 1.3
set linetype 4 lc rgb '#9467bd' lw 2 dt 4 pt 9 ps 1.3
set linetype 5 lc rgb '#2ca02c' lw 2 dt 1 pt 11 ps 1.3
set linetype 6 lc rgb '#8c564b' lw 2 dt 5 pt 13 ps 1.3
set linetype 7 lc rgb '#17becf' lw 2 dt 6 pt 4 ps 1.3
set linetype 8 lc rgb '#000000' lw 3 dt 1 pt 6 ps 1.3
set linetype 9 lc rgb '#1f77b4' lw 2 dt 7 pt 8 ps 1.3
set linetype 10 lc rgb '#bcbd22' lw 2 dt 1 pt 3 ps 1.3
lt_of(s) = (s eq 'serial') ? 1 : (s eq 'global_fork') ? 2 : (s eq 'module_state') ? 3 : \
           (s eq 'registry') ? 4 : (s eq 'shared_arrays') ? 5 : \
           (s eq 'per_task_serialize') ? 6 : (s eq 'per_worker_copy') ? 7 : \
           (s eq 'threads') ? 8 : (s eq 'mapped_file') ? 9 : 10
# A small sideways shift per strategy, so that equal values (many strategies hold exactly
# one copy) stay visible side by side instead of hiding behind each other.
dodge(s) = ((s eq 'mapped_file') ? 0.5 : (lt_of(s) == 10) ? -0.5 : lt_of(s) - 4.5) * 0.035
# Legend text: threads is the one strategy without processes; it is not a bound on the others.
label(s) = (s eq 'threads') ? 'threads (one address space)' : s
# Keep the rows of one strategy: filter(s, col) is the column's value there, NaN elsewhere.
only(s, c) = (strcol('strategy') eq s) ? column(c) : NaN
