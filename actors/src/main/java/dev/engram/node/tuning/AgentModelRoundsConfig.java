package dev.engram.node.tuning;

import java.time.Duration;
import java.util.Objects;

/**
 * When a node asks for agent-model rounds ({@link AgentModelScheduler}): off by default, since a
 * node has no agent model; workers started with one ({@code engram worker --agent-model DIR}) run
 * the jobs.
 *
 * <pre>{@code
 * NodeConfig.builder(dir).agentModelRounds(AgentModelRoundsConfig.every(50)).build();
 * }</pre>
 *
 * @param enabled whether the node sends agent-model jobs at all (false)
 * @param minNewEpisodes a tenant's new successful episodes that start a round ({@value #DEFAULT_MIN_NEW_EPISODES})
 * @param minReward from this reward an episode with a plan is successful ({@value #DEFAULT_MIN_REWARD})
 * @param maxEpisodes a tenant's newest successful episodes kept and sent in one job
 *     ({@value #DEFAULT_MAX_EPISODES})
 * @param jobTimeout how long a sent job holds back the tenant's next one when no version comes of it
 *     (2 h): one round at a time per tenant, so versions follow each other
 */
public record AgentModelRoundsConfig(
        boolean enabled, int minNewEpisodes, double minReward, int maxEpisodes, Duration jobTimeout) {

    /** Default {@code minNewEpisodes}. */
    public static final int DEFAULT_MIN_NEW_EPISODES = 50;
    /** Default {@code minReward}. */
    public static final double DEFAULT_MIN_REWARD = 0.8;
    /** Default {@code maxEpisodes}. */
    public static final int DEFAULT_MAX_EPISODES = 2_000;
    /** Default {@code jobTimeout}. */
    public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofHours(2);
    /** Appended to the tenant to name its agent-model adapter, e.g. {@code acme-agent-model}. */
    public static final String ADAPTER_SUFFIX = "-agent-model";

    public AgentModelRoundsConfig {
        if (minNewEpisodes < 1) {
            throw new IllegalArgumentException("agentModelRounds.minNewEpisodes must be >= 1, was " + minNewEpisodes);
        }
        if (!(minReward >= 0 && minReward <= 1)) {
            throw new IllegalArgumentException("agentModelRounds.minReward must be in [0, 1], was " + minReward);
        }
        if (maxEpisodes < 2 || maxEpisodes > dev.engram.streams.AgentModelJob.MAX_EPISODES) {
            throw new IllegalArgumentException("agentModelRounds.maxEpisodes must be in [2, "
                    + dev.engram.streams.AgentModelJob.MAX_EPISODES + "], was " + maxEpisodes);
        }
        Objects.requireNonNull(jobTimeout, "agentModelRounds.jobTimeout is required");
        if (jobTimeout.isNegative() || jobTimeout.isZero()) {
            throw new IllegalArgumentException("agentModelRounds.jobTimeout must be positive, was " + jobTimeout);
        }
    }

    /** No agent-model rounds (the default). */
    public static AgentModelRoundsConfig disabled() {
        return new AgentModelRoundsConfig(
                false, DEFAULT_MIN_NEW_EPISODES, DEFAULT_MIN_REWARD, DEFAULT_MAX_EPISODES, DEFAULT_JOB_TIMEOUT);
    }

    /** Rounds after every {@code minNewEpisodes} new successful episodes of a tenant, other settings default. */
    public static AgentModelRoundsConfig every(int minNewEpisodes) {
        return new AgentModelRoundsConfig(
                true, minNewEpisodes, DEFAULT_MIN_REWARD, DEFAULT_MAX_EPISODES, DEFAULT_JOB_TIMEOUT);
    }

    /** This configuration with another {@code minReward}. */
    public AgentModelRoundsConfig withMinReward(double value) {
        return new AgentModelRoundsConfig(enabled, minNewEpisodes, value, maxEpisodes, jobTimeout);
    }

    /** The agent-model adapter of {@code tenant}. */
    public static String adapterName(String tenant) {
        return tenant + ADAPTER_SUFFIX;
    }
}
