/**
 * Private detail of the rankers: score scaling and vector arithmetic. No other module imports it.
 */
package dev.engram.retriever.ranking.internal;
