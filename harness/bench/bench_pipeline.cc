// bench_pipeline - every strategy end to end, as Google Benchmark sees it.
//
// Each repetition is one fresh `sharebench run` process over the same generated input (so
// memory peaks never carry over), timed by the run itself (manual time: the streaming phase,
// setup excluded), one iteration per repetition. Counters: records_per_second, pss_total_mb
// (peak PSS summed over parent and workers), model_copies (against a measured empty-model
// baseline), bytes_shipped, setup_seconds.
//
// Run: build/release/harness/bench/bench_pipeline [--benchmark_repetitions=N]
// Env: SHAREBENCH_BENCH_ROWS (default 200000), SHAREBENCH_WORKERS (default 2).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <unistd.h>

extern "C" {
#include "selfspawn.h"
#include "summary.h"
}

namespace
{

const char *const strategies[] = {"serial",          "global_fork",   "module_state",
                                  "registry",        "shared_arrays", "per_task_serialize",
                                  "per_worker_copy", "threads"};

std::string env_or(const char *name, const char *fallback)
{
    const char *v = std::getenv(name);
    return v ? v : fallback;
}

struct Input {
    std::string spec = SHAREBENCH_SOURCE_DIR "/datasets/specs/default.csv";
    std::string path;
    Input()
    {
        path = "/tmp/bench_pipeline_" + std::to_string(getpid()) + ".csv";
        std::string rows = env_or("SHAREBENCH_BENCH_ROWS", "200000");
        char *argv[] = {const_cast<char *>("sharebench"),
                        const_cast<char *>("gen"),
                        const_cast<char *>("--spec"),
                        spec.data(),
                        const_cast<char *>("--rows"),
                        rows.data(),
                        const_cast<char *>("--quiet"),
                        const_cast<char *>("--output"),
                        path.data(),
                        nullptr};
        char out[256];
        error err;
        if (spawn_capture(SHAREBENCH_BINARY, argv, out, sizeof out, nullptr, &err) != 0)
            throw std::runtime_error("cannot generate the input");
    }
    ~Input()
    {
        unlink(path.c_str());
    }
};

Input &input()
{
    static Input in;
    return in;
}

double value(const char *out, const char *key)
{
    char v[64];
    return summary_lookup(out, key, v, sizeof v) == 0 ? std::strtod(v, nullptr) : -1;
}

void BM_Pipeline(benchmark::State &state, const char *strategy)
{
    Input &in = input();
    std::string workers = env_or("SHAREBENCH_WORKERS", "2");
    bool slow = std::string(strategy) == "per_task_serialize";
    const char *limit = slow ? "5000" : "0";
    char *argv[] = {const_cast<char *>("sharebench"),
                    const_cast<char *>("run"),
                    const_cast<char *>("--spec"),
                    in.spec.data(),
                    const_cast<char *>("--input"),
                    in.path.data(),
                    const_cast<char *>("--strategy"),
                    const_cast<char *>(strategy),
                    const_cast<char *>("--workers"),
                    workers.data(),
                    const_cast<char *>(slow ? "--limit" : "--sample-ms"),
                    const_cast<char *>(slow ? limit : "20"),
                    nullptr};
    static char out[16384];
    for (auto _ : state) {
        error err;
        int status = spawn_capture(SHAREBENCH_BINARY, argv, out, sizeof out, nullptr, &err);
        if (status != 0) {
            state.SkipWithError("sharebench run failed");
            return;
        }
        state.SetIterationTime(value(out, "seconds"));
    }
    state.counters["records_per_second"] = value(out, "rows_per_s");
    state.counters["pss_total_mb"] = value(out, "pss_peak_mb");
    state.counters["model_copies"] = value(out, "model_copies");
    state.counters["bytes_shipped"] = value(out, "bytes_shipped");
    state.counters["setup_seconds"] = value(out, "setup_seconds");
    state.counters["rows"] = value(out, "rows");
}

int register_all()
{
    for (const char *s : strategies)
        benchmark::RegisterBenchmark(("BM_Pipeline/" + std::string(s)).c_str(), BM_Pipeline, s)
            ->UseManualTime()
            ->Iterations(1)
            ->Repetitions(3)
            ->Unit(benchmark::kMillisecond);
    return 0;
}
const int registered = register_all();

} // namespace

BENCHMARK_MAIN();
