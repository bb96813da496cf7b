/* mpi_shared_window.c - one copy of the model per node, in an MPI-3 shared-memory window.
 *
 * What it does: the ranks of each node form a communicator (MPI_Comm_split_type with
 *   MPI_COMM_TYPE_SHARED). On each node the first rank allocates the whole image inside a
 *   shared window (MPI_Win_allocate_shared), the others allocate nothing and ask where the
 *   first rank's part is (MPI_Win_shared_query): a plain pointer into the same physical
 *   pages. The first rank writes the image straight from the spec; after a window sync and a
 *   barrier every rank of the node reads it in place. Nothing crosses the network: each node
 *   builds its own copy from the spec (a few hundred bytes, read by every rank).
 * What it costs: one image build per node (in parallel across nodes), a window allocation,
 *   nothing per record. Memory: one copy per node, whatever the ranks per node.
 * When to use it: a read-only model on a cluster with several ranks per node: it is
 *   shared_arrays with MPI as the allocator, and the ranks need not be related processes.
 *   It needs MPI-3 and a model that can live in flat arrays (or offsets, as here).
 * The Python idiom it mirrors: mpi4py's `MPI.Win.Allocate_shared` on a node communicator,
 *   wrapped in a numpy array with `np.frombuffer`.
 */
#include "mpi_strategy.h"

#include "image.h"

#include <string.h>

static void shared_window_share(const struct spec *spec, const struct mpi_env *env,
                                struct mpi_model *out)
{
    size_t size = image_size_for_spec(spec);
    bool writer = env->node_rank == 0;
    void *base;
    memset(out, 0, sizeof *out);
    /* The node's writer holds all of it; the others hold nothing of their own. */
    MPI_Win_allocate_shared(writer ? (MPI_Aint)size : 0, 1, MPI_INFO_NULL, env->node, &base,
                            &out->win);
    if (!writer) {
        MPI_Aint got;
        int unit;
        MPI_Win_shared_query(out->win, 0, &got, &unit, &base);
    }
    /* Passive-target epoch for the whole run: loads and stores are then plain memory
     * accesses, ordered by MPI_Win_sync and the barrier (the MPI-3 shared-memory idiom). */
    MPI_Win_lock_all(MPI_MODE_NOCHECK, out->win);
    if (writer) {
        double t0 = MPI_Wtime();
        image_write_from_spec(spec, base);
        out->build_seconds = MPI_Wtime() - t0;
    }
    MPI_Win_sync(out->win);
    MPI_Barrier(env->node);
    MPI_Win_sync(out->win);
    out->image = base;
    out->size = size;
}

static void shared_window_release(struct mpi_model *m)
{
    MPI_Win_unlock_all(m->win);
    MPI_Win_free(&m->win); /* collective over the node */
    m->image = NULL;
}

const struct mpi_strategy mpi_shared_window = {
    .name = "mpi_shared_window",
    .summary = "one image per node in an MPI-3 shared window, read in place by its ranks",
    .share = shared_window_share,
    .release = shared_window_release,
};
