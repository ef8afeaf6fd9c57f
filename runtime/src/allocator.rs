//! The process's global allocator: mimalloc, with word-aligned requests on its plain path.
//!
//! `mimalloc::MiMalloc` passes every request to `mi_malloc_aligned`, whose small-block fast
//! path re-checks the alignment and the free block's address before it allocates. Every
//! script object is one allocation (gc-arena asks for word alignment), so that check is paid
//! per object: on the instantiation benchmark (1.5 M objects, callgrind) `mi_malloc_aligned`
//! and its fast path took 37 instructions per allocation. mimalloc's own blocks are always at
//! least word-aligned (its size classes are whole words, its pages aligned; on x86-64 two
//! words), so requests of word alignment or less go to `mi_malloc`/`mi_zalloc`/`mi_realloc`
//! and only larger alignments take the aligned entry points.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use mimalloc::MiMalloc;

/// The alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

/// The global allocator of the `gclox` binary, and of every benchmark and experiment binary
/// that measures what the CLI does (`#[global_allocator] static A: Allocator = Allocator;`).
pub struct Allocator;

// SAFETY: each method hands the request to mimalloc, whose functions meet `GlobalAlloc`'s
// contract: `mi_malloc`/`mi_zalloc` return a block of at least `size` bytes (zeroed for
// `mi_zalloc`) or null, aligned to at least `WORD` (mimalloc's minimal block alignment), which
// covers `layout.align() <= WORD`; larger alignments go to `MiMalloc`, which uses the aligned
// entry points. `mi_free` frees any block either path returned, and `mi_realloc` keeps the
// word alignment of the block it returns, so a block allocated through the plain path is
// reallocated through it too (the layout's alignment decides both).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: `ptr` came from mimalloc (see the impl); the new block keeps word
            // alignment.
            unsafe { libmimalloc_sys::mi_realloc(ptr as *mut c_void, new_size) as *mut u8 }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path of the allocator: plain and aligned, zeroed, grown and shrunk, freed.
    #[test]
    fn blocks_are_aligned_sized_and_zeroed_as_asked() {
        let a = Allocator;
        for align in [1, 2, 4, 8, 16, 64, 4096] {
            for size in [1, 7, 8, 24, 100, 112, 4000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes; each block is used within its size and freed once
                // with the layout (and size) it has.
                #[allow(unsafe_code)]
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let grown = a.realloc(p, layout, size * 3);
                    assert_eq!(grown as usize % align, 0);
                    assert_eq!(*grown.add(size - 1), 0xAB, "realloc keeps the contents");
                    a.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
