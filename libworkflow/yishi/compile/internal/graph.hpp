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
};

}  // namespace yishi
