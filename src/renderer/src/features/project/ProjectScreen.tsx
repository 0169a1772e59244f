import './project.css';
import { CurrentProject } from './CurrentProject';
import { ProjectPathForm } from './ProjectPathForm';
import { RecentProjects } from './RecentProjects';
import { InterruptedBanner } from './InterruptedBanner';
import { useApp } from '../../lib/appContext';

/** Project: the open project's facts, open/create by path, recent projects. */
export function ProjectScreen() {
  const { project } = useApp();
  return (
    <div className="stack">
      <h1>Project</h1>
      {project && project.interruptedJobs > 0 && <InterruptedBanner count={project.interruptedJobs} />}
      {project && <CurrentProject project={project} />}
      <div className="grid-2">
        <ProjectPathForm mode="open" />
        <ProjectPathForm mode="create" />
      </div>
      <RecentProjects />
    </div>
  );
}
