package dev.engram.tools.cli;

import dev.engram.streams.FeedbackTopicLayout;
import picocli.CommandLine.ITypeConverter;

/** {@code --feedback-layout shared|per-tenant}. */
final class FeedbackLayoutConverter implements ITypeConverter<FeedbackTopicLayout> {

    @Override
    public FeedbackTopicLayout convert(String value) {
        return FeedbackTopicLayout.parse(value);
    }
}
