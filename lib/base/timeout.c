// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/timeout.h"

static void on_alarm(int sig)
{
	(void)sig;
}

int mp_timeout_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the blocked call returns EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGALRM, &sa, NULL) < 0 ? -errno : 0;
}

uint64_t mp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int mp_write_str_timeout(const struct mp_root *root, const char *path, const char *val,
			 unsigned timeout_ms, uint64_t *elapsed_ns)
{
	struct sigevent sev;
	struct itimerspec its;
	timer_t timer;
	bool armed = false;
	uint64_t t0 = mp_now_ns(), spent;
	int r;

	if (timeout_ms) {
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = SIGALRM;
		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)
			return -errno;
		memset(&its, 0, sizeof(its));
		its.it_value.tv_sec = timeout_ms / 1000;
		its.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		/* and again every 100 ms, should the first land between two calls */
		its.it_interval.tv_nsec = 100000000L;
		if (timer_settime(timer, 0, &its, NULL) < 0) {
			r = -errno;
			timer_delete(timer);
			return r;
		}
		armed = true;
	}
	r = mp_write_str(root, path, val);
	spent = mp_now_ns() - t0;
	if (armed)
		timer_delete(timer);
	if (r == -EINTR && timeout_ms && spent >= (uint64_t)timeout_ms * 1000000ULL)
		r = -ETIMEDOUT;
	if (elapsed_ns)
		*elapsed_ns = spent;
	return r;
}
