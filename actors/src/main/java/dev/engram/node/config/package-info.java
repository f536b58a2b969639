/**
 * Settings shared by several of the node's packages: the resilience settings (retries, breakers
 * and time limits of ingest and dead-lettering) that {@link dev.engram.node.NodeConfig} carries.
 */
package dev.engram.node.config;
