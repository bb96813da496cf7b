// bench_fork - what fork() costs a parent that holds a large heap.
//
// Every fork-based strategy (global_fork, module_state, registry) pays this once per worker:
// fork() copies the parent's page tables (not its pages: those are shared copy-on-write), so
// its cost grows with the resident heap, about one page-table entry per 4 KiB page.
//
// What is timed: each iteration forks, the child exits at once, the parent reaps it
// (waitpid). The figure is that whole round trip, not fork() alone: the child's exit frees the
// page tables fork copied, a cost that also grows with the heap.
//
// What it does not show: the heap here is malloc'd and written, so on 4 KiB pages unless
// transparent huge pages are on for it (`enabled` = always, or madvise); a heap on 2 MiB pages
// has 512 times fewer entries to copy. And fork copies no entries of MAP_SHARED mappings at
// all (a memfd, a mapped file): the child fills them by faults as it reads, which is why
// shared_arrays and mapped_file start their workers faster than global_fork.
//
// Run: build/release/harness/bench/bench_fork [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace
{

void BM_ForkExit(benchmark::State &state)
{
    size_t bytes = static_cast<size_t>(state.range(0)) << 20;
    char *heap = static_cast<char *>(std::malloc(bytes));
    if (heap == nullptr)
        throw std::runtime_error("cannot allocate the heap");
    std::memset(heap, 1, bytes); // resident: every page mapped, every PTE filled
    for (auto _ : state) {
        pid_t pid = fork();
        if (pid < 0)
            throw std::runtime_error("fork failed");
        if (pid == 0)
            _exit(0);
        int status;
        waitpid(pid, &status, 0);
    }
    state.counters["heap_MB"] = static_cast<double>(bytes) / 1e6;
    std::free(heap);
}
BENCHMARK(BM_ForkExit)
    ->ArgName("heap_MiB")
    ->Arg(10)
    ->Arg(100)
    ->Arg(500)
    ->Arg(1024)
    ->Arg(2048)
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
