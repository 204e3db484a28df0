//! meridian-mpi (being written).
