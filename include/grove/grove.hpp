#pragma once
// grove.hpp — the umbrella header: everything grove offers today.

#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/hub.hpp>
#include <grove/hub_config.hpp>
#include <grove/links.hpp>
#include <grove/this_fiber.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>
