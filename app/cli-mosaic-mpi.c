/* darkmap-cli mosaic under an MPI launcher (mpirun -np N, srun): the
 * catalogue's rows and the mosaic's tiles split over the ranks, rank 0
 * stitching and writing the mosaic.
 *
 * Every rank parses the same arguments and opens its own stream over the
 * catalogue, restricted to its rows: rank r of N reads rows
 * [R r / N, R (r + 1) / N) of the R.  The plan: each rank's footprint of its
 * rows, merged across ranks (all-reduces of the RA bins' lowest and highest
 * values and of the Dec range: the whole catalogue's footprint exactly),
 * gives every rank the plan one process makes.  The binning: each rank
 * bins its rows into every tile (and the mosaic's COUNTS), in one pass;
 * each tile's sums are then added on the rank that reconstructs it (a
 * reduction), and the counts on rank 0.  Rank r reconstructs tiles
 * [first(r), first(r + 1)), first(r) = ceil(n r / N) of the n tiles, so
 * that rank 0 always has one.  So every rank reads 1/N of the catalogue,
 * once for the plan and once for the binning.  Sums added in another order
 * than one process adds them make a map that may differ from the
 * one-process mosaic in its last bits (counts exactly).  Tiles are not
 * balanced by galaxy count: a tile's reconstruction costs the same with few
 * galaxies or many, and a tile without galaxies costs nothing.  The other
 * ranks send their tiles to rank 0: the maps dm_mosaic_stitch reads, each
 * tile's mean and std (data and provenance cards; the WCS is the tile
 * grid's, made again on rank 0), in messages of at most CHUNK_BYTES.  Rank
 * 0 stitches and writes.
 *
 * Failures: after each phase (setup, plan, binning, tiles, gathering,
 * stitching and writing) the ranks agree on a status (an all-reduce) and
 * the first failing rank's error reaches every rank; rank 0 prints it
 * ("Rank 2 of 4: ..." when it is another rank's) and every rank returns
 * its exit status, so that no rank waits on one that gave up.  Progress is
 * rank 0's: its footprint pass, its binning pass, then its tiles.
 *
 * Threads and GPUs: without --threads the network engine of each rank
 * takes its share of the node's cores; on a node with GPUs each rank takes
 * one (cli-mpi.h).
 *
 * Memory per rank: one catalogue chunk, every tile's binned sums (about 32
 * bytes a tile pixel) and the counts' (32 bytes a mosaic pixel), one tile's
 * reconstruction and its tiles' means and stds; rank 0 also every tile's
 * mean and std and the stitched mosaic. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-commands.h"
#include "cli-mosaic.h"
#include "cli-mpi.h"
#include "cli-progress.h"
#include "darkmap/monotonic-clock.h"

enum {
  CHUNK_BYTES = 1 << 20,  /* keeps every message's count far below 2^31 */
  TAG_TILE = 1,
};

typedef CliRanks Ranks;

/* Tile range [*first, *last) of a rank. */
static void rank_tiles(const Ranks *ranks, int rank, int n_tiles, int *first, int *last) {
  long long n = n_tiles, size = ranks->size;
  *first = (int)((n * rank + size - 1) / size);
  *last = (int)((n * (rank + 1) + size - 1) / size);
}

/* A growing byte buffer: a map's provenance cards, packed. */
typedef struct {
  char *data;
  size_t size, capacity;
} Buffer;

static bool buffer_add(Buffer *buffer, const void *bytes, size_t n) {
  if (buffer->size + n > buffer->capacity) {
    size_t capacity = 2 * (buffer->size + n) + 256;
    char *data = realloc(buffer->data, capacity);
    if (!data) return false;
    buffer->data = data;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->size, bytes, n);
  buffer->size += n;
  return true;
}

/* A string as its length (−1 for NULL) and its bytes. */
static bool buffer_add_string(Buffer *buffer, const char *text) {
  int32_t length = text ? (int32_t)strlen(text) : -1;
  return buffer_add(buffer, &length, sizeof length) &&
         (!text || buffer_add(buffer, text, (size_t)length));
}

/* Layout: the number of cards, then each card's key, type, number, text and
 * comment. */
static bool pack_cards(const DmMap *map, Buffer *buffer, DmError **error) {
  int32_t n = map->n_cards;
  bool ok = buffer_add(buffer, &n, sizeof n);
  for (int i = 0; ok && i < map->n_cards; i++) {
    const DmMetaCard *card = &map->cards[i];
    int32_t type = (int32_t)card->type;
    ok = buffer_add(buffer, card->key, sizeof card->key) &&
         buffer_add(buffer, &type, sizeof type) &&
         buffer_add(buffer, &card->number, sizeof card->number) &&
         buffer_add_string(buffer, card->text) && buffer_add_string(buffer, card->comment);
  }
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory packing a tile to send.");
  return ok;
}

/* Reads bytes from a packed buffer; false past its end. */
typedef struct {
  const char *data;
  size_t size, at;
} Reader;

static bool read_bytes(Reader *reader, void *bytes, size_t n) {
  if (n > reader->size - reader->at) return false;
  memcpy(bytes, reader->data + reader->at, n);
  reader->at += n;
  return true;
}

static bool read_string(Reader *reader, char **text) {
  int32_t length;
  *text = NULL;
  if (!read_bytes(reader, &length, sizeof length)) return false;
  if (length < 0) return true;
  if ((size_t)length > reader->size - reader->at || !(*text = malloc((size_t)length + 1)))
    return false;
  read_bytes(reader, *text, (size_t)length);
  (*text)[length] = '\0';
  return true;
}

static bool unpack_cards(DmMap *map, const char *data, size_t size, DmError **error) {
  Reader reader = {data, size, 0};
  int32_t n = 0;
  bool ok = read_bytes(&reader, &n, sizeof n) && n >= 0 &&
            (n == 0 || (map->cards = calloc((size_t)n, sizeof *map->cards)) != NULL);
  for (int i = 0; ok && i < n; i++) {
    DmMetaCard *card = &map->cards[i];
    int32_t type = 0;
    map->n_cards = i + 1;
    ok = read_bytes(&reader, card->key, sizeof card->key) &&
         read_bytes(&reader, &type, sizeof type) &&
         read_bytes(&reader, &card->number, sizeof card->number) &&
         read_string(&reader, &card->text) && read_string(&reader, &card->comment);
    card->key[sizeof card->key - 1] = '\0';
    card->type = (DmMetaType)type;
  }
  if (!ok)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a tile's provenance cards.");
  return ok;
}

static void send_bytes(const void *bytes, size_t n) {
  for (size_t at = 0; at < n; at += CHUNK_BYTES) {
    size_t piece = n - at < CHUNK_BYTES ? n - at : CHUNK_BYTES;
    MPI_Send((const char *)bytes + at, (int)piece, MPI_BYTE, 0, TAG_TILE, MPI_COMM_WORLD);
  }
}

/* Receives what send_bytes sent, into bytes, or drained when bytes is NULL. */
static void receive_bytes(void *bytes, size_t n, int source) {
  static char drain[CHUNK_BYTES];
  for (size_t at = 0; at < n; at += CHUNK_BYTES) {
    size_t piece = n - at < CHUNK_BYTES ? n - at : CHUNK_BYTES;
    MPI_Recv(bytes ? (char *)bytes + at : drain, (int)piece, MPI_BYTE, source, TAG_TILE,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
}

/* One map: its size and packed cards' length, the cards, the pixels. */
static void send_map(const DmMap *map, const Buffer *cards) {
  long long header[3] = {map->nx, map->ny, (long long)cards->size};
  MPI_Send(header, 3, MPI_LONG_LONG, 0, TAG_TILE, MPI_COMM_WORLD);
  send_bytes(cards->data, cards->size);
  send_bytes(map->data, dm_map_plane_size(map) * sizeof *map->data);
}

/* The map send_map sent, on the tile's grid; NULL with *error set when it
 * cannot be made (or when ok is already false), its bytes drained. */
static DmMap *receive_map(const DmGridSpec *grid, int source, bool ok, DmError **error) {
  long long header[3];
  MPI_Recv(header, 3, MPI_LONG_LONG, source, TAG_TILE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  size_t cards_size = (size_t)header[2];
  char *cards = ok ? malloc(cards_size) : NULL;
  if (ok && !cards)
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a tile's provenance.");
  DmMap *map = ok ? dm_map_new((int)header[0], (int)header[1], 1, NULL, error) : NULL;
  receive_bytes(map ? cards : NULL, cards_size, source);
  receive_bytes(map ? map->data : NULL, (size_t)header[0] * (size_t)header[1] * sizeof(float),
                source);
  ok = map && unpack_cards(map, cards, cards_size, error) &&
       (map->wcs = dm_grid_spec_wcs(grid, error)) != NULL;
  free(cards);
  if (!ok) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

/* The tiles of a rank other than 0: which it has (mean, std), then each map. */
static void send_tiles(DmPosterior *const *tiles, const Buffer *cards, int first, int last) {
  for (int t = first; t < last; t++) {
    int has[2] = {tiles[t] != NULL, tiles[t] && tiles[t]->std};
    MPI_Send(has, 2, MPI_INT, 0, TAG_TILE, MPI_COMM_WORLD);
    if (has[0]) send_map(tiles[t]->mean, &cards[2 * t]);
    if (has[1]) send_map(tiles[t]->std, &cards[2 * t + 1]);
  }
}

/* Rank 0: every other rank's tiles into tiles; every message is received
 * even after a failure. */
static bool receive_tiles(const Ranks *ranks, const DmMosaicPlan *plan, DmPosterior **tiles,
                          DmError **error) {
  bool ok = true;
  for (int r = 1; r < ranks->size; r++) {
    int first, last;
    rank_tiles(ranks, r, plan->n_tiles, &first, &last);
    for (int t = first; t < last; t++) {
      int has[2];
      MPI_Recv(has, 2, MPI_INT, r, TAG_TILE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (!has[0]) continue;
      DmPosterior *tile = ok ? calloc(1, sizeof *tile) : NULL;
      if (ok && !tile) ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a tile.");
      DmMap *mean = receive_map(&plan->tiles[t], r, ok, error);
      ok = ok && mean;
      DmMap *std = has[1] ? receive_map(&plan->tiles[t], r, ok, error) : NULL;
      ok = ok && (!has[1] || std);
      if (tile) {
        tile->mean = mean;
        tile->std = std;
      } else {
        dm_map_free(mean);
        dm_map_free(std);
      }
      tiles[t] = tile;
    }
  }
  return ok;
}

/* This rank's tiles, reconstructed (rank 0 also binning the counts), and
 * the cards of the others' packed to send. */
/* Rank r's rows of the catalogue: [R r / N, R (r + 1) / N). */
static void read_own_rows(const Ranks *ranks, DmCatalogStream *stream) {
  unsigned long long rows = dm_catalog_stream_layout(stream)->n_rows;
  unsigned long long first = rows * (unsigned long long)ranks->rank / ranks->size;
  unsigned long long end = rows * (unsigned long long)(ranks->rank + 1) / ranks->size;
  dm_catalog_stream_set_rows(stream, (size_t)first, (size_t)(end - first));
}

/* The plan of the whole catalogue from each rank's footprint of its rows,
 * merged.  Collective. */
static DmMosaicPlan *plan_from_rows(const Ranks *ranks, const CliMosaicCommand *command,
                                    const DmProgress *progress, DmError **error) {
  DmMosaicFootprint *footprint = malloc(sizeof *footprint);
  bool read = footprint ? true
                        : dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                                       "Out of memory planning the mosaic.");
  if (read) {
    dm_mosaic_footprint_init(footprint);
    read = dm_mosaic_footprint_add(footprint, command->stream, progress, error);
  }
  DmMosaicPlan *plan = NULL;
  if (cli_mpi_agree(ranks, read, error)) {
    MPI_Allreduce(MPI_IN_PLACE, footprint->low, DM_MOSAIC_RA_BINS + 1, MPI_DOUBLE, MPI_MIN,
                  MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, footprint->high, DM_MOSAIC_RA_BINS + 1, MPI_DOUBLE, MPI_MAX,
                  MPI_COMM_WORLD);
    plan = dm_mosaic_plan_from_footprint(&command->request, footprint, error);
  }
  free(footprint);
  return plan;
}

static void binning_report(void *user_data, double fraction, const char *stage) {
  (void)stage;
  dm_progress_report(user_data, fraction, "Binning the tiles");
}

/* Adds every rank's sums of binner into root's.  Collective; sums (the
 * binner's count) is scratch. */
static void add_sums_on(const Ranks *ranks, DmBinner *binner, int root, double *sums,
                        double *total) {
  enum { PIECE = 1 << 27 };
  size_t n = dm_binner_sums_count(binner);
  /* The root gives zeros: its own sums are in its binner already. */
  if (ranks->rank == root) memset(sums, 0, n * sizeof *sums);
  else dm_binner_sums_copy(binner, sums);
  for (size_t at = 0; at < n; at += PIECE) {
    int count = (int)(n - at < PIECE ? n - at : PIECE);
    MPI_Reduce(sums + at, total + at, count, MPI_DOUBLE, MPI_SUM, root, MPI_COMM_WORLD);
  }
  if (ranks->rank == root) dm_binner_sums_add(binner, total);
}

/* Every rank's rows binned into every tile and the counts, each tile's sums
 * added on the rank that reconstructs it and the counts on rank 0.
 * Collective after the binning pass's agreement. */
static DmMosaicBinning *bin_rows(const Ranks *ranks, const CliMosaicCommand *command,
                                 const DmMosaicPlan *plan, const DmProgress *progress,
                                 DmError **error) {
  DmProgress pass = {binning_report, (void *)progress, progress->cancel};
  DmMosaicBinning *binning = dm_mosaic_binning_new(plan, 0, plan->n_tiles, true, error);
  bool ok = binning && dm_mosaic_binning_add(binning, command->stream, &pass, error);
  size_t largest = ok ? dm_binner_sums_count(dm_mosaic_binning_counts(binning)) : 0;
  for (int t = 0; ok && t < plan->n_tiles; t++) {
    size_t n = dm_binner_sums_count(dm_mosaic_binning_tile(binning, t));
    if (n > largest) largest = n;
  }
  double *sums = ok ? malloc(largest * sizeof *sums) : NULL;
  double *total = ok ? malloc(largest * sizeof *total) : NULL;
  if (ok && (!sums || !total))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory adding the tiles' sums.");
  if (cli_mpi_agree(ranks, ok, error)) {
    for (int owner = 0; owner < ranks->size; owner++) {
      int first, last;
      rank_tiles(ranks, owner, plan->n_tiles, &first, &last);
      for (int t = first; t < last; t++)
        add_sums_on(ranks, dm_mosaic_binning_tile(binning, t), owner, sums, total);
    }
    add_sums_on(ranks, dm_mosaic_binning_counts(binning), 0, sums, total);
  } else {
    dm_mosaic_binning_free(binning);
    binning = NULL;
  }
  free(sums);
  free(total);
  return binning;
}

static bool reconstruct_own(const Ranks *ranks, const CliMosaicCommand *command,
                            DmMosaicBinning *binning, const DmMosaicPlan *plan,
                            DmPosterior **tiles, Buffer *cards, DmMap **counts,
                            const DmProgress *progress, DmError **error) {
  int first, last;
  rank_tiles(ranks, ranks->rank, plan->n_tiles, &first, &last);
  if (first == last) return true;
  bool ok = dm_mosaic_binning_reconstruct(binning, &command->request, first, last, tiles + first,
                                          ranks->rank == 0 ? counts : NULL, progress, error);
  for (int t = first; ok && ranks->rank != 0 && t < last; t++)
    ok = !tiles[t] || (pack_cards(tiles[t]->mean, &cards[2 * t], error) &&
                       (!tiles[t]->std || pack_cards(tiles[t]->std, &cards[2 * t + 1], error)));
  return ok;
}

static bool stitch_and_write(const CliMosaicCommand *command, const DmMosaicPlan *plan,
                             DmPosterior *const *tiles, DmMap *counts, double start,
                             DmError **error) {
  DmMosaic mosaic = {
      .n_tiles = plan->n_tiles,
      .tile_pixels = plan->core + 2 * plan->overlap,
  };
  for (int t = 0; t < plan->n_tiles; t++) mosaic.n_empty += tiles[t] == NULL;
  mosaic.posterior = dm_mosaic_stitch(plan, &command->request, tiles, error);
  mosaic.seconds = dm_monotonic_seconds() - start;
  cli_progress_done();
  mosaic.counts = counts;
  bool ok = mosaic.posterior && cli_mosaic_command_write(command, &mosaic, error);
  dm_posterior_free(mosaic.posterior);
  return ok;
}

int cli_mosaic_mpi_main(int argc, char **argv) {
  Ranks ranks;
  cli_mpi_init(&ranks);
  DmError *error = NULL;
  CliMosaicCommand command;
  bool ok = cli_mpi_agree(&ranks, cli_mosaic_command_open(&command, argc, argv, &error), &error);
  if (ok && command.request.reconstruct.threads == 0)
    command.request.reconstruct.threads = cli_mpi_node_threads();
  cli_mpi_choose_gpu();
  DmProgress progress = ranks.rank == 0 ? cli_progress_init() : (DmProgress){0};
  double start = dm_monotonic_seconds();

  if (ok) read_own_rows(&ranks, command.stream);
  DmMosaicPlan *plan = NULL;
  ok = ok && cli_mpi_agree(&ranks,
                           (plan = plan_from_rows(&ranks, &command, &progress, &error)) != NULL,
                           &error);
  DmMosaicBinning *binning = ok ? bin_rows(&ranks, &command, plan, &progress, &error) : NULL;
  ok = ok && binning != NULL;
  int n_tiles = ok ? plan->n_tiles : 0;
  DmPosterior **tiles = NULL;
  Buffer *cards = NULL;
  DmMap *counts = NULL;
  if (ok) {
    tiles = calloc((size_t)n_tiles, sizeof *tiles);
    cards = calloc(2 * (size_t)n_tiles, sizeof *cards);
    bool done = tiles && cards
                    ? reconstruct_own(&ranks, &command, binning, plan, tiles, cards, &counts,
                                      &progress, &error)
                    : dm_error_set(&error, DM_ERROR_NO_MEMORY, 0,
                                   "Out of memory for the mosaic's tiles.");
    dm_mosaic_binning_free(binning);
    ok = cli_mpi_agree(&ranks, done, &error);
  }
  if (ok && ranks.rank == 0) {
    ok = cli_mpi_agree(&ranks, receive_tiles(&ranks, plan, tiles, &error), &error) &&
         cli_mpi_agree(&ranks, stitch_and_write(&command, plan, tiles, counts, start, &error),
                       &error);
  } else if (ok) {
    int first, last;
    rank_tiles(&ranks, ranks.rank, n_tiles, &first, &last);
    send_tiles(tiles, cards, first, last);
    ok = cli_mpi_agree(&ranks, true, &error) && cli_mpi_agree(&ranks, true, &error);
  }
  if (ranks.rank == 0) cli_progress_done();

  for (int t = 0; tiles && t < n_tiles; t++) dm_posterior_free(tiles[t]);
  for (int i = 0; cards && i < 2 * n_tiles; i++) free(cards[i].data);
  free(tiles);
  free(cards);
  dm_map_free(counts);
  dm_mosaic_plan_free(plan);
  cli_mosaic_command_close(&command);
  int status = 0;
  if (!ok)
    status = ranks.rank == 0 ? cli_fail("mosaic", error) : cli_error_status(error);
  else if (ranks.rank == 0)
    fprintf(stderr, "Wrote %s.\n", command.out);
  if (ranks.rank != 0) dm_error_free(error);
  MPI_Finalize();
  return status;
}
