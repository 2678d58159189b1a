// A bare MPI_Allreduce timing loop in the style of OSU's osu_allreduce: warm-up, barrier, N calls
// timed with MPI_Wtime, the slowest rank's average reported. It exists to check that collbench's
// harness adds nothing to the library's own time (scripts/compare-bare-mpi.sh, docs/mpi-timing.md).
// Usage: mpirun -np 2 bare_mpi_allreduce BYTES [ITERS] [WARMUP]
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const long bytes = argc > 1 ? std::atol(argv[1]) : 1024;
  const int iters = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int warmup = argc > 3 ? std::atoi(argv[3]) : 100;
  const int count = static_cast<int>(bytes / static_cast<long>(sizeof(float)));
  std::vector<float> send(count > 0 ? count : 1, 1.0f), recv(count > 0 ? count : 1);
  for (int i = 0; i < warmup; ++i) {
    MPI_Allreduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iters; ++i) {
    MPI_Allreduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
  double mine = (MPI_Wtime() - start) / iters * 1e6;
  double slowest = 0;
  MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0) std::printf("%ld %.3f\n", bytes, slowest);
  MPI_Finalize();
  return 0;
}
