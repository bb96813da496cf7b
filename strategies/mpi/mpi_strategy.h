/* mpi_strategy.h - how MPI ranks, possibly on many nodes, reach one read-only model.
 *
 * The cluster-scale counterpart of strategy.h, for sharebench-mpi. Ranks are separate
 * processes started by mpirun, on one node or many: nothing is inherited (as with
 * --start exec), and only MPI moves bytes between nodes. Both strategies hand every rank the
 * model's flat image (harness/workload/image.h: offsets, no pointers, valid at any address); they
 * differ in how many copies of it a node holds.
 *
 *   share(spec, env, out)   collective over every rank: afterwards out->image is this rank's
 *                           view of the image, readable until release
 *   release(m)              collective: end of the run
 *
 * MPI errors abort the job (MPI's default handler): a collective that failed on one rank
 * cannot be recovered by the others anyway.
 */
#ifndef SHAREBENCH_MPI_STRATEGY_H
#define SHAREBENCH_MPI_STRATEGY_H

#include "spec.h"

#include <mpi.h>
#include <stddef.h>

/* Where this rank stands. */
struct mpi_env {
    MPI_Comm world;
    MPI_Comm node; /* the ranks that share this node's memory (MPI_COMM_TYPE_SHARED) */
    int rank, size;
    int node_rank, node_size;
};

/* This rank's view of the image. */
struct mpi_model {
    const void *image;
    size_t size;
    double build_seconds; /* writing the image, on the rank(s) that wrote it */
    MPI_Win win;          /* mpi_shared_window: the node's window */
    void *owned;          /* mpi_bcast_copy: this rank's private copy */
};

struct mpi_strategy {
    const char *name;
    const char *summary;
    void (*share)(const struct spec *spec, const struct mpi_env *env, struct mpi_model *out);
    void (*release)(struct mpi_model *m);
};

extern const struct mpi_strategy mpi_shared_window;
extern const struct mpi_strategy mpi_bcast_copy;

#endif
