package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.engram.streams.AdapterControl;

/**
 * The node's answer to a pin, unpin or rollback (HTTP 202): the control it published on
 * {@code engram.adapters}, with the principal of the client's API key as its operator. Every node
 * applies it when it reads it back; {@link NodeAdapters#list()} then shows it in force.
 *
 * @param published the control as published
 * @param offset its offset on {@code engram.adapters}
 * @param note what happens next, for people
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AcceptedControl(AdapterControl published, long offset, String note) {}
