/** Details of the training worker: evaluation, parent lookup on the adapters topic. */
package dev.engram.worker.internal;
