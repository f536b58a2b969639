/** Detail of the agent model (file formats, rotary tables); no promise to other modules. */
package dev.engram.agentmodel.internal;
