/**
 * The learned case-selection policy Q(s, c) (AgentFly's parametric memory): an MLP over the
 * concatenated embeddings of a task and a case that scores how likely the case is to help, trained
 * from judged recalls and used to re-rank the top of a recall. See {@link dev.engram.retriever.selector.CaseSelector}.
 */
package dev.engram.retriever.selector;
