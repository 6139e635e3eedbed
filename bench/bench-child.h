/* Measurements made each in a child process of its own, so that its peak
 * resident memory (getrusage's ru_maxrss) is its own: nothing the parent
 * or an earlier run allocated counts. */
#ifndef DARKMAP_BENCH_CHILD_H
#define DARKMAP_BENCH_CHILD_H

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-catalog-file.h"

/* What a run measured: wall and processor seconds of its work, and the
 * child's peak resident memory; ok when the work succeeded. */
typedef struct {
  int ok;
  double seconds, cpu_seconds, peak_bytes;
} BenchFigure;

/* The work of one run, in the child: returns ok and its seconds. */
typedef BenchFigure (*BenchWork)(const void *arg);

/* Processor seconds (user and system) of this process so far. */
static inline double bench_cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

/* work(arg) in a child process, with the child's peak memory; ok = 0 when
 * it failed. */
static inline BenchFigure bench_measure_in_child(BenchWork work, const void *arg) {
  BenchFigure f = {0};
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return f;
  fflush(NULL);
  pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    BenchFigure mine = work(arg);
    mine.peak_bytes = bench_peak_rss();
    ssize_t written = write(pipe_fds[1], &mine, sizeof mine);
    _exit(written == (ssize_t)sizeof mine ? 0 : 1);
  }
  close(pipe_fds[1]);
  if (child > 0 && read(pipe_fds[0], &f, sizeof f) != (ssize_t)sizeof f) f.ok = 0;
  close(pipe_fds[0]);
  if (child > 0) waitpid(child, NULL, 0);
  return f;
}

/* The fastest of runs measurements, with the largest peak memory seen;
 * ok = 0 as soon as one fails. */
static inline BenchFigure bench_best_of(BenchWork work, const void *arg, int runs) {
  BenchFigure best = {0};
  for (int r = 0; r < runs; r++) {
    BenchFigure f = bench_measure_in_child(work, arg);
    if (!f.ok) return f;
    double peak = best.ok && best.peak_bytes > f.peak_bytes ? best.peak_bytes : f.peak_bytes;
    if (!best.ok || f.seconds < best.seconds) best = f;
    best.peak_bytes = peak;
  }
  return best;
}

#endif
