/**
 * Detail behind {@code dev.engram.streams}: JSON tree reading and writing, field checks, the
 * embedded broker's configuration. Private to the streams module; other modules must not import it.
 */
package dev.engram.streams.internal;
