// bench_workload - the cost of the workload's pieces, one at a time, in one process:
//   BM_Classify          classify() on the native, pointer-rich model (records/s)
//   BM_ClassifyImage     classify() on the flat image, as shared_arrays workers do (records/s)
//   BM_ResolveGlobal     reaching the model per chunk: global_fork reads a global
//   BM_ResolveRegistry   ... registry looks a 16-byte handle up among N registered models
//   BM_Serialize/V       writing the image of a model of V tokens (per_task_serialize, per chunk)
//   BM_Deserialize/V     checking it and rebuilding the native model (the worker's side)
//   BM_RecordReader      the streaming CSV reader over an in-memory file (bytes/s, records/s)
//   BM_ModelBuild        building the native model from a spec (per model)
// The data is generated at start-up with the project's own generator (the default spec),
// so the figures are for the same records `sharebench run` reads.
//
// Run: build/release/harness/bench/bench_workload [--benchmark_repetitions=5]
// Env: SHAREBENCH_SPEC (default: datasets/specs/default.csv), SHAREBENCH_BENCH_ROWS (100000).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include "classify.h"
#include "gen.h"
#include "image.h"
#include "model.h"
#include "records.h"
#include "registry.h"
#include "spec.h"
#include "strategy.h"
}

namespace
{

struct Fixture {
    spec s{};
    std::string csv;                              // the records file, in memory
    std::vector<std::vector<std::string>> fields; // each record's five fields
    std::vector<int64_t> ids;
    model *m = nullptr;

    Fixture()
    {
        const char *path = std::getenv("SHAREBENCH_SPEC");
        std::string spec_path = path ? path : SHAREBENCH_SOURCE_DIR "/datasets/specs/default.csv";
        error err;
        if (spec_load(spec_path.c_str(), &s, &err) != 0)
            throw std::runtime_error(err.msg);
        const char *rows_env = std::getenv("SHAREBENCH_BENCH_ROWS");
        gen_options opt{};
        opt.rows = rows_env ? std::strtoull(rows_env, nullptr, 10) : 100000;
        opt.seed = 1;
        generate(opt);
        load_records();
        m = model_build(&s, &err);
        if (m == nullptr)
            throw std::runtime_error(err.msg);
    }

    void generate(const gen_options &opt)
    {
        char tmp[] = "/tmp/bench_workload_XXXXXX";
        int fd = mkstemp(tmp);
        if (fd < 0)
            throw std::runtime_error("mkstemp failed");
        unlink(tmp);
        gen_stats st;
        error err;
        if (gen_write(fd, tmp, &s, &opt, &st, &err) != 0)
            throw std::runtime_error(err.msg);
        csv.resize(st.bytes);
        if (pread(fd, csv.data(), csv.size(), 0) != static_cast<ssize_t>(csv.size()))
            throw std::runtime_error("pread failed");
        close(fd);
    }

    void load_records()
    {
        error err;
        record_reader *r =
            record_reader_open_memory("bench", csv.data(), csv.size(), FIELD_LIMIT_DEFAULT, &err);
        if (r == nullptr)
            throw std::runtime_error(err.msg);
        record rec;
        rejection rej;
        while (record_reader_next(r, &rec, &rej, &err) == RECORD_VALID) {
            std::vector<std::string> f;
            for (const auto &field : rec.field)
                f.emplace_back(field.data, field.len);
            fields.push_back(std::move(f));
            ids.push_back(rec.id);
        }
        record_reader_close(r);
    }

    record view(size_t i) const
    {
        record rec{};
        rec.id = ids[i];
        for (int k = 0; k < RECORD_FIELDS; k++)
            rec.field[k] = {fields[i][k].c_str(), fields[i][k].size()};
        return rec;
    }

    ~Fixture()
    {
        model_free(m);
        spec_free(&s);
    }
};

Fixture &fixture()
{
    static Fixture f;
    return f;
}

void classify_loop(benchmark::State &state, const classifier &c)
{
    Fixture &f = fixture();
    std::vector<record> recs;
    for (size_t i = 0; i < f.ids.size(); i++)
        recs.push_back(f.view(i));
    size_t i = 0;
    for (auto _ : state) {
        result r;
        classify(&c, &recs[i], &r);
        benchmark::DoNotOptimize(r);
        if (++i == recs.size())
            i = 0;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["records_per_second"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Classify(benchmark::State &state)
{
    classifier c;
    model_classifier(fixture().m, &c);
    classify_loop(state, c);
}
BENCHMARK(BM_Classify);

void BM_ClassifyImage(benchmark::State &state)
{
    Fixture &f = fixture();
    size_t size = image_size(f.m);
    void *mem = std::aligned_alloc(64, (size + 63) / 64 * 64);
    image_write(f.m, mem);
    image_view view;
    rule_set rules;
    error err;
    if (image_open(&view, mem, size, &err) != 0 || image_compile_rules(&view, &rules, &err) != 0)
        throw std::runtime_error(err.msg);
    classifier c;
    image_classifier(&view, &rules, &c);
    classify_loop(state, c);
    state.counters["image_MB"] = static_cast<double>(size) / 1e6;
    rules_free(&rules);
    std::free(mem);
}
BENCHMARK(BM_ClassifyImage);

void BM_ResolveGlobal(benchmark::State &state)
{
    model_source src{&fixture().s, fixture().m, 0, nullptr};
    strategy_state *st;
    error err;
    strategy_global_fork.prepare(&src, &st, &err);
    for (auto _ : state) {
        classifier c;
        strategy_global_fork.resolve(st, nullptr, 0, &c, &err);
        benchmark::DoNotOptimize(c);
    }
    strategy_global_fork.teardown(st);
}
BENCHMARK(BM_ResolveGlobal);

// Resolve the last of N registered models (the registry scans its entries: N matters).
void BM_ResolveRegistry(benchmark::State &state)
{
    Fixture &f = fixture();
    model_source src{&f.s, f.m, 0, nullptr};
    strategy_state *st;
    error err;
    strategy_registry.prepare(&src, &st, &err);
    for (int64_t i = 1; i < state.range(0); i++)
        registry_strategy_add_model(st, f.m); // the same model under more handles
    buf payload{};
    strategy_registry.payload(st, static_cast<uint64_t>(state.range(0) - 1), &payload, &err);
    for (auto _ : state) {
        classifier c;
        if (strategy_registry.resolve(st, payload.data, payload.len, &c, &err) != 0)
            throw std::runtime_error(err.msg);
        benchmark::DoNotOptimize(c);
    }
    buf_free(&payload);
    strategy_registry.teardown(st);
}
BENCHMARK(BM_ResolveRegistry)->Arg(1)->Arg(4)->Arg(16);

struct SizedModel {
    spec s{};
    model *m = nullptr;
    explicit SizedModel(uint32_t vocab)
    {
        s = fixture().s; // same seed and classes, no rules copied (rules are not the cost)
        s.vocab = vocab;
        s.nrules = 0;
        s.rules = nullptr;
        error err;
        m = model_build(&s, &err);
    }
    ~SizedModel()
    {
        model_free(m);
    }
};

void BM_Serialize(benchmark::State &state)
{
    SizedModel sm(static_cast<uint32_t>(state.range(0)));
    size_t size = image_size(sm.m);
    void *mem = std::aligned_alloc(64, (size + 63) / 64 * 64);
    for (auto _ : state) {
        image_write(sm.m, mem);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
    state.counters["model_MB"] = static_cast<double>(size) / 1e6;
    std::free(mem);
}
BENCHMARK(BM_Serialize)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(200000)
    ->Unit(benchmark::kMillisecond);

void BM_Deserialize(benchmark::State &state)
{
    SizedModel sm(static_cast<uint32_t>(state.range(0)));
    size_t size = image_size(sm.m);
    void *mem = std::aligned_alloc(64, (size + 63) / 64 * 64);
    image_write(sm.m, mem);
    for (auto _ : state) {
        image_view view;
        error err;
        if (image_open(&view, mem, size, &err) != 0)
            throw std::runtime_error(err.msg);
        model *m = image_to_model(&view, &err);
        benchmark::DoNotOptimize(m);
        model_free(m);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
    state.counters["model_MB"] = static_cast<double>(size) / 1e6;
    std::free(mem);
}
BENCHMARK(BM_Deserialize)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(200000)
    ->Unit(benchmark::kMillisecond);

void BM_RecordReader(benchmark::State &state)
{
    Fixture &f = fixture();
    int64_t records = 0;
    for (auto _ : state) {
        error err;
        record_reader *r = record_reader_open_memory("bench", f.csv.data(), f.csv.size(),
                                                     FIELD_LIMIT_DEFAULT, &err);
        record rec;
        rejection rej;
        while (record_reader_next(r, &rec, &rej, &err) > 0)
            records++;
        record_reader_close(r);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.csv.size()));
    state.SetItemsProcessed(records);
    state.counters["MB_per_second"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * static_cast<double>(f.csv.size()) / 1e6,
        benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordReader)->Unit(benchmark::kMillisecond);

void BM_ModelBuild(benchmark::State &state)
{
    Fixture &f = fixture();
    for (auto _ : state) {
        error err;
        model *m = model_build(&f.s, &err);
        benchmark::DoNotOptimize(m);
        model_free(m);
    }
    state.counters["model_MB"] = static_cast<double>(model_estimate_bytes(&f.s)) / 1e6;
}
BENCHMARK(BM_ModelBuild)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
