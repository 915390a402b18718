// Private: the Boost.Graph representation inside a CompiledBundle (for compile/ and analysis/).
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include "yishi/compile/compiled_bundle.hpp"

namespace yishi {

/// Directed acyclic graph of steps; vertex i is StepId{i}.
using StepGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

struct CompiledBundle::Impl {
  ir::Bundle bundle;
  std::vector<Step> steps;
  std::vector<StepId> order;
  StepGraph graph;
  StepId intake{0};
  StepId issuance{0};
  // Conditions (see conditions.cpp).
  expr::Environment env;
  expr::TableSet tables;
  std::vector<expr::Program> situations;              // by situation
  std::vector<std::uint32_t> situation_order;         // dependencies first
  std::vector<expr::Program> eligibility;             // by eligibility condition
  std::vector<std::vector<expr::Program>> when;       // by item, by condition
  std::vector<std::uint32_t> condition_fields;         // field slots any condition reads, sorted
};

/// Compiles the expressions of `impl.bundle` (checked clean) into `impl`.
void compile_conditions(CompiledBundle::Impl& impl);

}  // namespace yishi
