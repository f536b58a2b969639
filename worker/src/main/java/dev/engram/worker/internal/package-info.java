/** Details of the training worker: ranking evaluation of candidate and parent, the cache of base document vectors between jobs. */
package dev.engram.worker.internal;
