//! Table definitions in sea-orm's entity form. They mirror the migrations and hold no
//! behaviour; behaviour lives in `repositories/`.

pub mod installation;
