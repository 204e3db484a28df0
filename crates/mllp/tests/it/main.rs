//! MLLP against python-hl7's MLLP server and client (tests/peers/hl7_peer.py), and over TLS.

mod exchange;
mod tls;
