//! Global variables are resolved to slots at compile time: every distinct global name gets a
//! slot number once, for the life of the VM, and `GET_GLOBAL`/`SET_GLOBAL` index a vector
//! instead of hashing a name. Late binding is kept: a slot starts undefined and reading it
//! before a `var` (or native) defines it is the usual "Undefined variable" runtime error.
//!
//! The table is host data (plain strings, no arena pointers); it survives across REPL lines
//! so definitions persist.

use std::collections::HashMap;

/// The most global slots a VM can have (operands are 16-bit).
pub const MAX_GLOBALS: usize = 1 << 16;

#[derive(Debug, Default)]
pub struct GlobalNames {
    slots: HashMap<Box<str>, u16>,
    names: Vec<Box<str>>,
}

impl GlobalNames {
    /// The slot for `name`, assigning the next free one on first sight. `None` when every slot
    /// is taken.
    pub fn slot(&mut self, name: &str) -> Option<u16> {
        if let Some(&slot) = self.slots.get(name) {
            return Some(slot);
        }
        let slot = u16::try_from(self.names.len()).ok()?;
        self.slots.insert(name.into(), slot);
        self.names.push(name.into());
        Some(slot)
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
