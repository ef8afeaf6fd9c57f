//! Global variables are resolved to slots at compile time: every distinct global name gets a
//! slot number once, for the life of the VM, and `GET_GLOBAL`/`SET_GLOBAL` index a vector
//! instead of hashing a name. Late binding is kept: a slot starts undefined and reading it
//! before a `var` (or native) defines it is the usual "Undefined variable" runtime error.
//!
//! The table is host data (plain strings, no arena pointers); it survives across REPL lines
//! so definitions persist. Each name is stored once, shared by the map and the slot list, and
//! what the table holds is counted against `--max-heap` ([`GlobalNames::bytes`]).

use std::collections::HashMap;
use std::rc::Rc;

/// The most global slots a VM can have (operands are 16-bit).
pub const MAX_GLOBALS: usize = 1 << 16;

#[derive(Debug, Default)]
pub struct GlobalNames {
    slots: HashMap<Rc<str>, u16>,
    names: Vec<Rc<str>>,
    /// Bytes of the names (text and `Rc` counts) and of the map's entries.
    bytes: usize,
}

impl GlobalNames {
    /// The slot for `name`, assigning the next free one on first sight. `None` when every slot
    /// is taken.
    pub fn slot(&mut self, name: &str) -> Option<u16> {
        if let Some(&slot) = self.slots.get(name) {
            return Some(slot);
        }
        let slot = u16::try_from(self.names.len()).ok()?;
        let shared: Rc<str> = name.into();
        self.bytes += 2 * std::mem::size_of::<usize>()
            + name.len()
            + std::mem::size_of::<(Rc<str>, u16)>()
            + 1;
        self.slots.insert(shared.clone(), slot);
        self.names.push(shared);
        Some(slot)
    }

    /// Bytes the table holds: names, map entries, and the slot list.
    pub fn bytes(&self) -> usize {
        self.bytes + self.names.capacity() * std::mem::size_of::<Rc<str>>()
    }

    /// The name of a slot.
    pub fn name(&self, slot: u16) -> &str {
        &self.names[usize::from(slot)]
    }

    /// The name of a slot, or `None` for a slot not assigned.
    pub fn get(&self, slot: u16) -> Option<&str> {
        self.names.get(usize::from(slot)).map(|name| &**name)
    }

    /// The number of slots assigned so far.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
