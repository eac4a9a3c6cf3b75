/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL tear-down shared by the lib/net tests that need mbufs. */
#ifndef TEST_EAL_H
#define TEST_EAL_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

/*
 * rte_eal_cleanup(), then remove the run-time directory EAL leaves behind (its
 * config and fbarray files): every test process has its own --file-prefix, and
 * those directories would pile up under /var/run/dpdk.
 */
static inline void
test_eal_cleanup(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

#endif /* TEST_EAL_H */
