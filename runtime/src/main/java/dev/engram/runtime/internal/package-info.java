/** The SDK's HTTP calls and adapter-following thread; private to the runtime module. */
package dev.engram.runtime.internal;
