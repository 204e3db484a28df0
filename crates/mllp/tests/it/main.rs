//! MLLP against python-hl7's MLLP server and client (tests/peers/hl7_peer.py).

mod exchange;
