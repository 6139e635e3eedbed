# What the darkmap-cli tests under mpirun share; source it after setting
# mpi_built (true when darkmap-cli was built with MPI) and mpi_seconds (the
# time limit of one mpirun):
#   skipped (77) without MPI or without mpirun;
#   Open MPI over shared memory between the ranks of this machine (no
#   network), as root too, ranks waiting for an exchange yielding their
#   core (the machine may be busy);
#   mpi N command... [: -np M command...]   mpirun -np N ..., stdin closed,
#                      within mpi_seconds; under AddressSanitizer the ranks
#                      do not look for leaks: Open MPI keeps allocations
#                      past MPI_Finalize, reported as leaks with stacks
#                      inside its own libraries (each command's one-process
#                      test keeps the leak check).
[ "$mpi_built" = true ] || { echo "darkmap-cli built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "no mpirun"; exit 77; }
export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout "$mpi_seconds" \
    mpirun -np "$@" </dev/null
}
