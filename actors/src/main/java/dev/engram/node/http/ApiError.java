package dev.engram.node.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer.
 *
 * @param error what is wrong and what to do about it
 * @param field the request field at fault ({@code "task"}, {@code "k"}, {@code "tenant"}, ...), or
 *     {@code null} when the error is not about one field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String field) {}
