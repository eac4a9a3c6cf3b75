/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A DPDK secondary process that dies holding one of EAL's shared locks, as a
 * dpdk-dumpcap killed at the wrong moment (or whose EAL init failed) can leave it.
 * The app tests op-stuck-secondary(-tailq) run it against a running sipcancel and
 * check that sipcancel still exits when told to.
 *
 * Usage: sc-secondary-lock --proc-type=secondary --file-prefix=PREFIX [EAL options]
 *        [-- mem|tailq]
 *   mem    the memory lock (default): rte_eal_cleanup() waits on it, after the
 *          results are saved
 *   tailq  the tail-queue lock: rte_hash_free() waits on it, before they are
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>

int
main(int argc, char **argv)
{
	const char *lock = "mem";
	int n = rte_eal_init(argc, argv);

	if (n < 0) {
		fprintf(stderr, "sc-secondary-lock: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "sc-secondary-lock: give --proc-type=secondary\n");
		return 2;
	}
	if (n + 1 < argc)
		lock = argv[n + 1];
	if (strcmp(lock, "mem") == 0) {
		rte_mcfg_mem_write_lock();
	} else if (strcmp(lock, "tailq") == 0) {
		rte_mcfg_tailq_write_lock();
	} else {
		fprintf(stderr, "sc-secondary-lock: lock '%s': mem or tailq\n", lock);
		return 2;
	}
	printf("sc-secondary-lock: exiting with the %s lock taken\n", lock);
	fflush(stdout);
	_exit(0);	/* no rte_eal_cleanup(): that would wait on the lock we hold */
}
