// bench_workload - the cost of the workload's pieces, one at a time, in one process:
//   BM_Classify       classify() over in-memory records of the default dataset (records/s)
//   BM_RecordReader   the streaming CSV reader over an in-memory file (bytes/s, records/s)
//   BM_ModelBuild     building the native model from a spec (per model)
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
#include "model.h"
#include "records.h"
#include "spec.h"
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

void BM_Classify(benchmark::State &state)
{
    Fixture &f = fixture();
    classifier c;
    model_classifier(f.m, &c);
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
BENCHMARK(BM_Classify);

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
