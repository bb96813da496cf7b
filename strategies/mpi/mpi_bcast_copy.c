/* mpi_bcast_copy.c - rank 0 builds the model's image and broadcasts it: every rank its copy.
 *
 * What it does: rank 0 writes the flat image from the spec into its own memory, then
 *   MPI_Bcast sends the bytes to every rank (in pieces of at most 1 GiB: MPI counts are int),
 *   each of which receives them into memory of its own and reads its copy.
 * What it costs: one build, then the image's size times the rank count through MPI (a tree
 *   broadcast: about log2(ranks) rounds), and memory: one full copy per rank, so a node with
 *   R ranks holds R copies.
 * When to use it: when ranks cannot share memory (one rank per node, or an MPI without
 *   shared windows), or the model is small next to the node; the model is built once however
 *   many ranks, which beats every rank building its own when the build is costly. It is the
 *   per-worker-copy answer at cluster scale.
 * The Python idiom it mirrors: `model = comm.bcast(model, root=0)` in mpi4py (which pickles;
 *   this sends the flat image, so no rebuild is needed on arrival).
 */
#include "mpi_strategy.h"

#include "image.h"

#include <stdlib.h>
#include <string.h>

#define BCAST_PIECE (1u << 30)

static void bcast_copy_share(const struct spec *spec, const struct mpi_env *env,
                             struct mpi_model *out)
{
    size_t size = image_size_for_spec(spec);
    memset(out, 0, sizeof *out);
    out->owned = xmalloc(size);
    if (env->rank == 0) {
        double t0 = MPI_Wtime();
        image_write_from_spec(spec, out->owned);
        out->build_seconds = MPI_Wtime() - t0;
    }
    for (size_t off = 0; off < size; off += BCAST_PIECE) {
        size_t piece = size - off < BCAST_PIECE ? size - off : BCAST_PIECE;
        MPI_Bcast((char *)out->owned + off, (int)piece, MPI_BYTE, 0, env->world);
    }
    out->image = out->owned;
    out->size = size;
}

static void bcast_copy_release(struct mpi_model *m)
{
    free(m->owned);
    m->owned = NULL;
    m->image = NULL;
}

const struct mpi_strategy mpi_bcast_copy = {
    .name = "mpi_bcast_copy",
    .summary = "rank 0 builds the image and broadcasts it: one private copy per rank",
    .share = bcast_copy_share,
    .release = bcast_copy_release,
};
