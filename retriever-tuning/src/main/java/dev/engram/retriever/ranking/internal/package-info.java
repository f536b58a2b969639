/**
 * Private detail of the rankers: score scaling, vector arithmetic and the word indexes of past tasks. No other module imports it.
 */
package dev.engram.retriever.ranking.internal;
