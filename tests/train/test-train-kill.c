/* A training killed (SIGKILL) at any moment, checkpoints written after
 * every step, leaves its last checkpoint whole: 20 times a child process
 * (this program with the argument "child") trains a tiny score network,
 * resuming from the checkpoint when there is one, and is killed 5 to 95 ms
 * after its first step (which it signals through a pipe), mostly while
 * writing a checkpoint; then the checkpoint, when there is one, reads
 * (dm_train_checkpoint_read), the model beside it reads
 * (dm_model_info_read), and a resume of two more steps succeeds.  The
 * temporary files a kill leaves are never taken for the checkpoint. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "darkmap/fft.h"
#include "darkmap/model-info.h"
#include "train-test-util.h"

enum { KILLS = 20, CHILD_STEPS = 1000000 };

/* The request both processes train: the model in dir. */
static void request_in(DmTrainRequest *r, const DmTheorySpectrum *theory, const char *model) {
  train_test_score_request(r, theory, model, CHILD_STEPS);
  r->checkpoint_every = 1;
  r->report_every = 1000;
}

/* The child's first report writes one byte to the pipe whose end is
 * user_data. */
static void signal_training(void *user_data, const DmTrainReport *report) {
  (void)report;
  int *fd = user_data;
  if (*fd >= 0 && write(*fd, "s", 1) == 1) {
    close(*fd);
    *fd = -1;
  }
}

static int child(const char *model, int fd) {
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  DmTrainRequest r;
  request_in(&r, theory, model);
  r.report_every = 1;
  char *checkpoint = dm_train_checkpoint_path(&r);
  r.resume = access(checkpoint, F_OK) == 0;
  free(checkpoint);
  DmError *error = NULL;
  DmTrainMonitor monitor = {signal_training, &fd, NULL, NULL};
  /* Until killed. */
  bool ok = dm_train(&r, NULL, &monitor, NULL, &error);
  if (!ok) fprintf(stderr, "child: %s\n", error ? error->message : "failed");
  dm_error_free(error);
  dm_theory_free(theory);
  return 1;
}

/* Files in the model's folder named after it: those with ".tmp-" counted
 * in *temporaries (removed), the others must be the model, its card or its
 * checkpoint. */
static void check_folder(const char *model, int *temporaries) {
  char dir_path[4096];
  snprintf(dir_path, sizeof dir_path, "%s", model);
  char *slash = strrchr(dir_path, '/');
  *slash = '\0';
  const char *base = slash + 1;
  size_t stem = strlen(base) - strlen(".safetensors");
  DIR *dir = opendir(dir_path);
  for (struct dirent *entry; dir && (entry = readdir(dir));) {
    if (strncmp(entry->d_name, base, stem) != 0) continue;
    const char *rest = entry->d_name + stem;
    if (strstr(rest, ".tmp-")) {
      char path[8300];
      snprintf(path, sizeof path, "%s/%s", dir_path, entry->d_name);
      remove(path);
      (*temporaries)++;
    } else {
      CHECK(strcmp(rest, ".safetensors") == 0 || strcmp(rest, ".md") == 0 ||
            strcmp(rest, ".checkpoint.safetensors") == 0);
    }
  }
  if (dir) closedir(dir);
}

int main(int argc, char **argv) {
  dm_fft_set_threads(1);
  char model[4096];
  if (argc == 4 && strcmp(argv[1], "child") == 0) return child(argv[2], atoi(argv[3]));
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("killed.safetensors"));
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();
  DmTrainRequest r;
  request_in(&r, theory, model);
  char *checkpoint = dm_train_checkpoint_path(&r);
  int found = 0, temporaries = 0;
  int64_t last_step = 0;
  for (int kill_index = 0; kill_index < KILLS; kill_index++) {
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
      char fd[16];
      snprintf(fd, sizeof fd, "%d", fds[1]);
      close(fds[0]);
      execl("/proc/self/exe", argv[0], "child", model, fd, (char *)NULL);
      _exit(127);
    }
    close(fds[1]);
    CHECK(pid > 0);
    if (pid <= 0) break;
    char started = 0;
    CHECK(read(fds[0], &started, 1) == 1 && started == 's');
    close(fds[0]);
    long delay_ms = 5 + (kill_index * 7919 % 19) * 5;
    nanosleep(&(struct timespec){0, delay_ms * 1000000L}, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    check_folder(model, &temporaries);
    if (access(checkpoint, F_OK) != 0) continue;
    found++;
    DmError *error = NULL;
    DmTrainCheckpointInfo info;
    DmModelInfo model_info;
    CHECK_OK(dm_train_checkpoint_read(checkpoint, &info, &error), error);
    CHECK_OK(dm_model_info_read(model, &model_info, &error), error);
    CHECK(info.step >= last_step);
    DmTrainRequest resume = r;
    resume.resume = true;
    resume.steps = info.step + 2;
    resume.checkpoint_every = 0;
    DmTrainResult result;
    CHECK_OK(dm_train(&resume, NULL, NULL, &result, &error), error);
    CHECK(result.steps == info.step + 2 && result.finished);
    last_step = result.steps;
    printf("kill %d after %ld ms: checkpoint at step %lld, resumed to %lld\n", kill_index,
           delay_ms, (long long)info.step, (long long)result.steps);
  }
  printf("%d kills, %d left a checkpoint, %d temporary files left and ignored\n", KILLS, found,
         temporaries);
  CHECK(found == KILLS);
  train_test_remove(model);
  free(checkpoint);
  dm_theory_free(theory);
  return dm_test_result();
}
