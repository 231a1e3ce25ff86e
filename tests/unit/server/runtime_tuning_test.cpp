// Runtime tuning: cgroup v1 and v2 limits read from fake trees (the tightest level wins,
// "max" and v1's huge numbers mean none, hostile files are ignored), and the derived worker
// count and open-file cache size with their sources.
#include <gtest/gtest.h>

#include <string>

#include "server/cgroup_limits.hpp"
#include "server/runtime_tuning.hpp"
#include "temp_dir.hpp"

namespace ferry {
namespace {

using test::temp_dir;

TEST(CgroupLimits, V2TightestLevelWins) {
  temp_dir root;
  root.write("proc/self/cgroup", "0::/system.slice/ferry.service\n");
  root.write("sys/fs/cgroup/cpu.max", "max 100000\n");
  root.write("sys/fs/cgroup/system.slice/cpu.max", "300000 100000\n");
  root.write("sys/fs/cgroup/system.slice/ferry.service/cpu.max", "150000 100000\n");
  root.write("sys/fs/cgroup/system.slice/memory.max", "536870912\n");
  root.write("sys/fs/cgroup/system.slice/ferry.service/memory.max", "max\n");
  const cgroup_limits limits = read_cgroup_limits(root.path().string());
  ASSERT_TRUE(limits.cpus);
  EXPECT_DOUBLE_EQ(*limits.cpus, 1.5);
  EXPECT_NE(limits.cpu_source.find("ferry.service/cpu.max"), std::string::npos);
  ASSERT_TRUE(limits.memory_bytes);
  EXPECT_EQ(*limits.memory_bytes, 536870912U);
  EXPECT_NE(limits.memory_source.find("system.slice/memory.max"), std::string::npos);
}

TEST(CgroupLimits, V1CpuAndMemory) {
  temp_dir root;
  root.write("proc/self/cgroup", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  root.write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "268435456\n");
  root.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");  // unlimited
  const cgroup_limits limits = read_cgroup_limits(root.path().string());
  ASSERT_TRUE(limits.cpus);
  EXPECT_DOUBLE_EQ(*limits.cpus, 2.0);
  ASSERT_TRUE(limits.memory_bytes);
  EXPECT_EQ(*limits.memory_bytes, 268435456U);
}

TEST(CgroupLimits, NoLimitsAndHostileFiles) {
  temp_dir root;
  root.write("proc/self/cgroup", "0::/a\n1:cpu:/b\nnonsense\n2:memory:relative\n3:memory:/../../etc\n");
  root.write("sys/fs/cgroup/a/cpu.max", "max 100000\n");
  root.write("sys/fs/cgroup/a/memory.max", "-5\n");
  root.write("sys/fs/cgroup/cpu/b/cpu.cfs_quota_us", "-1\n");
  root.write("sys/fs/cgroup/cpu/b/cpu.cfs_period_us", "100000\n");
  root.write("sys/fs/cgroup/cpu.max", "0 0\n");
  const cgroup_limits limits = read_cgroup_limits(root.path().string());
  EXPECT_FALSE(limits.cpus);
  EXPECT_FALSE(limits.memory_bytes);
  EXPECT_FALSE(read_cgroup_limits(root.file("missing")).cpus);
}

machine_facts facts(unsigned cpus, std::optional<double> quota = {}, std::optional<std::uint64_t> memory = {}) {
  machine_facts f;
  f.affinity_cpus = cpus;
  f.cgroup.cpus = quota;
  f.cgroup.cpu_source = "cpu.max";
  f.cgroup.memory_bytes = memory;
  f.cgroup.memory_source = "memory.max";
  f.fd_soft = f.fd_hard = 65536;
  return f;
}

TEST(RuntimeTuning, WorkersFromCpusAndQuota) {
  EXPECT_EQ(derive_tuning(0, 1024, facts(8)).workers, 8U);
  EXPECT_EQ(derive_tuning(0, 1024, facts(8, 2.0)).workers, 2U);
  EXPECT_EQ(derive_tuning(0, 1024, facts(8, 1.5)).workers, 2U);   // rounds up
  EXPECT_EQ(derive_tuning(0, 1024, facts(8, 0.25)).workers, 1U);  // at least one
  EXPECT_EQ(derive_tuning(0, 1024, facts(2, 16.0)).workers, 2U);  // affinity is tighter
  EXPECT_EQ(derive_tuning(3, 1024, facts(8, 1.0)).workers, 3U);   // configured wins
  const runtime_tuning t = derive_tuning(0, 1024, facts(8, 2.0));
  EXPECT_EQ(t.lines[0].name, "workers");
  EXPECT_NE(t.lines[0].source.find("cgroup CPU quota 2.00"), std::string::npos) << t.lines[0].source;
}

TEST(RuntimeTuning, OpenFileCacheFitsTheMemoryLimit) {
  EXPECT_EQ(derive_tuning(2, 1024, facts(2)).open_file_cache, 1024U);
  // 64 MiB / 8 / 2 workers / 8448 B per entry = 496 entries.
  EXPECT_EQ(derive_tuning(2, 1024, facts(2, {}, 64ULL << 20)).open_file_cache, 496U);
  EXPECT_EQ(derive_tuning(2, 1024, facts(2, {}, 8ULL << 30)).open_file_cache, 1024U);  // only ever lowered
  EXPECT_EQ(derive_tuning(2, 1024, facts(2, {}, 1ULL << 20)).open_file_cache, 64U);    // a floor
  EXPECT_EQ(derive_tuning(2, 0, facts(2, {}, 1ULL << 20)).open_file_cache, 0U);        // off stays off
}

TEST(RuntimeTuning, PrintsEveryValueWithItsSource) {
  const std::string text = format_tuning(derive_tuning(0, 1024, facts(4, 2.0, 64ULL << 20)));
  for (const char* needle : {"workers", "open_file_cache", "cpu_quota", "memory_limit", "64 MiB", "open_files",
                             "65536", "cgroup CPU quota"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

}  // namespace
}  // namespace ferry
