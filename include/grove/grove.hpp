#pragma once
// grove.hpp — the umbrella header: everything grove offers today.

#include <grove/async_result.hpp>
#include <grove/channel.hpp>
#include <grove/duration.hpp>
#include <grove/errors.hpp>
#include <grove/event.hpp>
#include <grove/exit_reason.hpp>
#include <grove/fiber.hpp>
#include <grove/group.hpp>
#include <grove/hub.hpp>
#include <grove/hub_config.hpp>
#include <grove/joinable_queue.hpp>
#include <grove/lifo_queue.hpp>
#include <grove/links.hpp>
#include <grove/local.hpp>
#include <grove/lock.hpp>
#include <grove/priority_queue.hpp>
#include <grove/queue.hpp>
#include <grove/queue_errors.hpp>
#include <grove/semaphore.hpp>
#include <grove/signal.hpp>
#include <grove/this_fiber.hpp>
#include <grove/thread_pool.hpp>
#include <grove/timeout.hpp>
#include <grove/wait.hpp>
