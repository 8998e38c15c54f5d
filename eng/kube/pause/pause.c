/*
 * The pod sandbox's "pause" process for the test node (eng/kube/start-kube-node.sh): it holds the pod's namespaces
 * open, reaps the zombies of processes that share its PID namespace, and exits 0 on SIGINT or SIGTERM. No image
 * registry is reachable on the build machines, so the node cannot pull the upstream pause image; this is built with
 * gcc -static into a one-file image by eng/provision/kube-node.sh.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signo) {
  (void)signo;
  _exit(0);
}

static void reap(int signo) {
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("engula-test-pause\n");
    return 0;
  }
  if (getpid() != 1) {
    /* Not an error (the upstream pause warns the same way): useful when run by hand. */
    fprintf(stderr, "pause: warning: not running as PID 1\n");
  }
  struct sigaction term = {.sa_handler = stop};
  struct sigaction child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGINT, &term, NULL) < 0 || sigaction(SIGTERM, &term, NULL) < 0 ||
      sigaction(SIGCHLD, &child, NULL) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) {
    pause();
  }
}
