//! Integration tests: one binary. The simulator runs on a loopback port and is
//! spoken to over real HTTP; databases are real DuckDB files in temp folders.

mod analyst_doc;
mod backoffice;
mod close;
mod config_doc;
mod day;
mod exactly_once;
mod helpers;
mod inbox;
mod lake;
mod night;
mod protocol;
mod recon;
mod smtp;
mod trust;
mod web;
mod worklist;
mod wsdl;
