/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A DPDK secondary process that dies holding EAL's shared memory lock, as a
 * dpdk-dumpcap killed at the wrong moment (or whose EAL init failed) can leave it.
 * The app test op-stuck-secondary runs it against a running sipcancel and checks
 * that sipcancel still exits when told to.
 *
 * Usage: sc-secondary-lock --file-prefix=PREFIX [EAL options]
 */
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>

int
main(int argc, char **argv)
{
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "sc-secondary-lock: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "sc-secondary-lock: give --proc-type=secondary\n");
		return 2;
	}
	rte_mcfg_mem_write_lock();
	printf("sc-secondary-lock: exiting with the memory lock taken\n");
	fflush(stdout);
	_exit(0);	/* no rte_eal_cleanup(): that would wait on the lock we hold */
}
