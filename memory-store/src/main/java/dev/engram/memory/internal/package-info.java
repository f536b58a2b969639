/**
 * How the Lucene case store works inside: the document layout, the tenant-scoped searcher (the
 * only code that searches), reciprocal-rank fusion, the view of applied-but-unrefreshed writes,
 * and the commit policy. No promise to other modules: import {@code dev.engram.memory} instead.
 */
package dev.engram.memory.internal;
